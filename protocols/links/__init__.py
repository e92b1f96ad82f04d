"""Runs as links and documents: share tokens, Mermaid, SVG and JSON trace export."""
