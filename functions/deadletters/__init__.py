"""The deadletters event function: the dead-letter sink of every Trigger."""
