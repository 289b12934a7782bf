"""The local demo: a simulated site (recorded real devices on snmpsim) polled by the agent."""
