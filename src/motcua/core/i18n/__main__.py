import sys

from motcua.core.i18n import main

sys.exit(main())
