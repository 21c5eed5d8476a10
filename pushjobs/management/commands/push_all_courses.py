from pushjobs.push_commands import CoursePushCommand


class Command(CoursePushCommand):
    help = "Push All Courses: push every course of a calendar to its sections (cli.md)."
