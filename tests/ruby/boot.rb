# Runs the test app from the guest's file system (run.mjs evaluates this file).
load "/app/main.rb"
