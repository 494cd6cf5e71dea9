not an email, just notes
