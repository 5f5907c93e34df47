"""What the domain uses but is not the domain: mail, rate limits kept in the database, shared
answers, the fan-out of changes across instances (PostgreSQL LISTEN/NOTIFY) and outbound
webhooks. The AimHarder client and its transport (the pre-armed wire, the proxy tunnel, the
clock sync) are in `booking.aimharder`."""
