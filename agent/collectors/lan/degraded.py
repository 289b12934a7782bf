"""What to say when the sweep runs without raw-socket privilege."""

DEGRADED_MESSAGE = (
    "LAN sweep running DEGRADED: no raw-socket privilege (root or CAP_NET_RAW), so hosts are"
    " found from the kernel's neighbour table after UDP probes (slower, and limited to what"
    " the kernel resolves). Grant the capability: in the systemd unit"
    " `AmbientCapabilities=CAP_NET_RAW` (with `CapabilityBoundingSet=CAP_NET_RAW`), or"
    " `setcap cap_net_raw+ep <the agent's python binary>`."
)
