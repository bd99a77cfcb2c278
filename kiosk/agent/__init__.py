"""`kiosk presence`: an agent on the space's router (or any Linux box on its network) that tells
the check-in server which members' devices are on the Wi-Fi.

    seen.py        a device seen (`Seen`), what a source is, and a fake one for tests
    leases.py      from a dnsmasq or ISC dhcpd leases file: a lease taken or renewed
    neighbours.py  from the kernel's neighbour table (`ip -j neigh`): a device that answered
    hostapd.py     from hostapd's control socket: the stations connected to the access point
    report.py      batches to `POST /api/public/sightings`, keeps them while the server is
                   away, and does not send again for an hour what the server said is unknown
    run.py         the loop: read every source, report, wait

Addresses are personal data: the agent logs counts, never an address.
"""
