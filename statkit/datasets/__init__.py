"""statkit.datasets: planned subpackage (see ARCHITECTURE.md); methods land with their issues."""

__all__: list[str] = []
