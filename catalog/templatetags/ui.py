"""Small template helpers of the web pages."""

from django import template
from django.urls import NoReverseMatch, reverse

from catalog.forms import attribute_label
from catalog.setup_display import with_article

register = template.Library()


@register.simple_tag
def optional_url(url_name, *args):
    """The URL, or "" while the page it names does not exist yet (built by another part of the project)."""
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def attribute_name(name):
    return attribute_label(name)


@register.filter
def yesno_words(value):
    return "Yes" if value else "No"


@register.filter(name="with_article")
def with_article_filter(label):
    return with_article(str(label))
