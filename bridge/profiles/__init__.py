"""Hardware profiles: how a hall's microphone, speaker, camera and screen are set up, the
profile each site gets down the site tree (with locks), and the devices a profile picks
from a hall's inventory. Pure: no I/O, except ``catalogue.load_catalogue``."""
