"""LAN discovery: ARP sweeps of the site's subnets (a raw socket, or the kernel's neighbour table
when unprivileged), vendors from the MAC's OUI, first/last seen, SNMP auto-discovery."""
