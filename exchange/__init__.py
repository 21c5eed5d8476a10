"""Above the levels: the district exchange format, the generator, and the commands that span
every level (import_district, export_district, generate_district, demo_setup). The public
functions are in ``exchange.district``."""
