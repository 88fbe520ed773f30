from . import docs
