"""statkit.tensor: planned subpackage (see ARCHITECTURE.md); its methods land with their issues."""

__all__: list[str] = []
