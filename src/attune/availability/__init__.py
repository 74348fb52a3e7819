"""Weekly availability (seed 003): the weekdays on which the practice takes appointment
requests, and the dates of the coming 30 days that fall on them."""
