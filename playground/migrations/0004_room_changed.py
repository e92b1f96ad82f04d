from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('playground', '0003_room_play_presence'),
    ]

    operations = [
        migrations.AddField(
            model_name='room',
            name='changed',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
