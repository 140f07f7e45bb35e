from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0006_activity_params_from_summary"),
    ]

    operations = [
        # A default first, so that going back re-adds the column filled (0005 then fills it).
        migrations.AlterField(
            model_name="activity",
            name="summary",
            field=models.CharField(blank=True, default="", max_length=300),
        ),
        migrations.RemoveField(
            model_name="activity",
            name="summary",
        ),
    ]
