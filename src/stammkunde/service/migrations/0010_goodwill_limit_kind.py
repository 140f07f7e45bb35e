"""Goodwill limits per kind too: a limit set before stays a limit for every kind ("") of its
role and case type, with its maximum, so no limit is lost or changes its meaning."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('service', '0009_desk_settings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='goodwilllimit',
            options={'ordering': ['role', 'kind', 'case_type'], 'permissions': [('grant_goodwill', 'Can grant goodwill within the own limit'), ('approve_goodwill', "Can approve or decline goodwill above an agent's limit"), ('manage_desk_policies', 'Can set goodwill limits, crisis plans and house rules'), ('view_goodwill_report', 'Can see the goodwill totals per month and agent')], 'verbose_name': 'goodwill limit', 'verbose_name_plural': 'goodwill limits'},
        ),
        migrations.RemoveConstraint(
            model_name='goodwilllimit',
            name='goodwill_limit_unique',
        ),
        migrations.AddField(
            model_name='goodwilllimit',
            name='kind',
            field=models.CharField(blank=True, choices=[('voucher', 'Voucher'), ('refund', 'Partial refund'), ('free_shipping', 'Free shipping'), ('replacement', 'Free replacement'), ('gift', 'Gift')], max_length=16, verbose_name='kind'),
        ),
        migrations.AddConstraint(
            model_name='goodwilllimit',
            constraint=models.UniqueConstraint(fields=('role', 'case_type', 'kind'), name='goodwill_limit_role_type_kind'),
        ),
    ]
