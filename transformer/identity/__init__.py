"""What Azure Workload Identity defines: its annotations, labels, names, token layout and clouds."""
