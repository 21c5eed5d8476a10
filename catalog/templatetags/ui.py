"""Small template helpers of the web pages."""

from django import template

from catalog.setup_display import attribute_label, with_article

register = template.Library()


@register.filter
def attribute_name(name):
    return attribute_label(name)


@register.filter
def yesno_words(value):
    return "Yes" if value else "No"


@register.filter(name="with_article")
def with_article_filter(label):
    return with_article(str(label))
