from pushjobs.push_commands import CoursePushCommand


class Command(CoursePushCommand):
    help = "Push to Sections: push one course to its sections (cli.md)."
    one_course = True
