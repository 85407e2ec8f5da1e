"""Records, storage, agreement and export for the health-claim annotator.

This package imports neither spaCy nor Streamlit.
"""
