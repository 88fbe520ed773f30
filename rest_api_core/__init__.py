from . import controllers, models
from .multidb import post_load
