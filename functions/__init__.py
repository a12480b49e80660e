"""chirp's Knative functions: one sub-package per Service, plus shared code in `core`."""
