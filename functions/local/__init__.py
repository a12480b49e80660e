"""The local stand-in for the cluster: a gateway wired from `gateway/*.yaml`."""
