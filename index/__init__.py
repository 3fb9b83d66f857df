"""Load the documents in seeds/, split them into sentence passages, embed them and store a FAISS index.

Data flows one way: ``seeds/ -> index -> qa -> ui``. Nothing here imports ``qa`` or ``ui``.
"""
