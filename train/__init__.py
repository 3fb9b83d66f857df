"""Training the reader: examples from gold questions, fine-tuning, ONNX export and the model card.

Serving never imports this package; ``qa train`` does. Data flows ``data/ + gold/ -> train -> models/reader/``.
"""
