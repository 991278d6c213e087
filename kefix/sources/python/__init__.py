"""The Python source adapter: ``TrainingArguments(...)``-like calls, argv lists and shell strings
that launch training, read statically with libcst and fixed as span edits of the original text.

Nothing here imports or runs the code it reads. libcst is loaded only once a file passes a cheap
text check for something a launch needs (a training class, ``subprocess``, ``sys.argv``, ...).
"""
