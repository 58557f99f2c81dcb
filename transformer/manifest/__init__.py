"""The text engine: manifests parsed with positions, edits on data paths, byte-faithful patching, files."""
