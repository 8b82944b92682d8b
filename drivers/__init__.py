"""Device drivers: the app's one way to reach any massager, whatever it speaks.

A massager is known by a description (`descriptions/*.toml`, matched by advertised
name, service UUIDs and manufacturer data) that says what it can do and which
protections it enforces itself (`description`). The description names a driver
(`thenar` for Thenar's own profile, `aa55` for the consumer family), which
translates the device-neutral plan (`therapy.plan`) and the person's caps into that
device's commands and makes up, where it can, for protections the device lacks.
`capture` records an unknown device without writing to it. docs/drivers.md.
"""
