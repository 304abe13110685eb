"""The plugin host: hook specs, the plugin manager, settings, the one-process server and
the `vectorizer` command line. The domain (engine, collections, queries) knows nothing of it."""
