"""The app's behaviour without its face: Qt-free models that the desktop views display.

Everything a person can do in Thenar is a method here, testable without a
display; `desktop/` only draws these models and forwards clicks and keys.
"""
