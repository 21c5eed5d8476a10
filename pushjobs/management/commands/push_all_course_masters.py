from pushjobs.push_commands import MasterPushCommand


class Command(MasterPushCommand):
    help = "Push All Course Masters: push a catalog's masters to their linked courses of a year (cli.md)."
