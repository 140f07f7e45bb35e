"""Date and number formats per UI language where Django's own are not the readers' (settings
``FORMAT_MODULE_PATH``): English is British English here (``en``)."""
