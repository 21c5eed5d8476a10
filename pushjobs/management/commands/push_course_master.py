from pushjobs.push_commands import MasterPushCommand


class Command(MasterPushCommand):
    help = "Push to Courses: push one course master to its linked courses of a year (cli.md)."
    one_master = True
