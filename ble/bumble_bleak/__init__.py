"""A bleak backend on a Bumble host, and a virtual radio to run it without hardware.

Self-contained: it imports bleak and Bumble only, nothing of Thenar's (an
import-linter contract holds it to that), so it could be published on its own.
`adapter.BumbleAdapter` owns one Bumble device and hands out bleak scanner and
client classes bound to it; `radio` is the in-process link with the emulated
controller's gaps fixed (docs/bumble-pitfalls.md).
"""
