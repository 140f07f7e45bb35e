from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0004_consent_not_taken"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="activity",
            name="kind",
            field=models.CharField(
                choices=[
                    ("customer_created", "Customer created"),
                    ("customer_updated", "Customer updated"),
                    ("customer_merged", "Customers merged"),
                    ("consent_changed", "Consent changed"),
                    ("consent_not_taken", "Consent not taken over"),
                    ("order_placed", "Order placed"),
                    ("order_updated", "Order updated"),
                    ("order_cancelled", "Order cancelled"),
                    ("order_shipped", "Order shipped"),
                    ("order_delivered", "Order delivered"),
                    ("return_received", "Return received"),
                    ("refund_issued", "Refund issued"),
                    ("withdrawal_received", "Withdrawal received"),
                    ("email_in", "E-mail received"),
                    ("email_out", "E-mail sent"),
                    ("call", "Phone call"),
                    ("note", "Note"),
                    ("privacy_request", "Privacy request received"),
                    ("shop_account_deleted", "Shop account deleted"),
                    ("case_opened", "Case opened"),
                    ("case_answered", "Case answered"),
                    ("case_escalated", "Case escalated"),
                    ("case_solved", "Case solved"),
                    ("case_closed", "Case closed"),
                    ("case_reopened", "Case reopened"),
                    ("goodwill_granted", "Goodwill granted"),
                    ("message_sent", "Message sent"),
                    ("message_held_back", "Message held back"),
                    ("message_failed", "Message failed"),
                    ("consent_asked", "Consent asked"),
                    ("consent_confirmed", "Consent confirmed"),
                    ("consent_withdrawn", "Consent withdrawn"),
                    ("unsubscribed", "Unsubscribed"),
                    ("contact_hold_set", "Contact hold set"),
                    ("contact_hold_released", "Contact hold released"),
                ],
                max_length=32,
            ),
        ),
    ]
