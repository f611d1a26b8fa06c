from . import report_formal_notice
from . import report_customer_statement
