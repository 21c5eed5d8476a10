import catalog.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_r90_identifier_lengths"),
    ]

    operations = [
        migrations.AddField(
            model_name="gradingscale",
            name="bands",
            field=models.JSONField(blank=True, default=list, validators=[catalog.models.grading_scale_bands_clean]),
        ),
    ]
