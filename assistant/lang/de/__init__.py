"""German: numbers (``numbers``), time phrases to time ranges (``times``) and time ranges in words
(``spoken_time``), as said in a German control room."""
