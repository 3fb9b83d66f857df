"""The faces over the ``qa`` library: the ``qa`` command line, the FastAPI JSON endpoint and the Gradio chat.

Each stays thin: it parses input, calls :class:`qa.pipeline.Pipeline`, and renders the result.
"""
