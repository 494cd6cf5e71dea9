"""Demo workspace: a generated Northwind Analytics mailbox and its config."""
