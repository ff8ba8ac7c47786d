"""python -m services.csmsctl"""

import sys

from services.csmsctl import main

sys.exit(main())
