"""Language layers: the words of a language for numbers and times, on top of the shared machinery."""
