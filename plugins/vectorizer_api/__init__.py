"""vectorizer_api plugin."""
