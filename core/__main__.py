"""`python -m vectorizer` runs the `vectorizer` command line."""

from vectorizer.host.cli import main

if __name__ == "__main__":
    main()
