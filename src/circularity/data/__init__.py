"""Bundled datasets shipped with circularity (human-editable YAML/CSV)."""
