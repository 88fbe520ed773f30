from . import reference
