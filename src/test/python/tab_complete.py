"""Types lines into an interactive bash on a terminal and presses TAB, as a user does.

usage: tab_complete.py COMPLETION_SCRIPT LINE...

bash (no rc files, no readline settings of the user) sources COMPLETION_SCRIPT; for each LINE
it is typed, TAB is pressed once, and the completed line is run as the arguments of a function
that prints it back. Prints each completed line, one a line; exits 1 on a timeout.
"""
import os
import pty
import select
import sys
import time

script, lines = sys.argv[1], sys.argv[2:]

pid, fd = pty.fork()
if pid == 0:
    os.environ.update(TERM='dumb', INPUTRC='/dev/null', PS1='$ ', HISTFILE='/dev/null')
    os.execvp('bash', ['bash', '--norc', '--noprofile', '-i'])

output = b''


def shown():
    """The lines the function printed so far."""
    return [line[line.find(b'SHOWN<') + len(b'SHOWN<'):-1].decode()
            for line in output.split(b'\r\n')[:-1] if b'SHOWN<' in line and line.endswith(b'>')]


def until(what, done):
    """Reads the terminal until done() holds."""
    global output
    deadline = time.monotonic() + 20
    while not done():
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            sys.exit('timed out waiting for %s; the terminal showed %r' % (what, output[-600:]))
        output += os.read(fd, 4096)


# The markers are printed by commands, never echoed as typed: the typed text splits them.
os.write(fd, b"source '" + script.encode() + b"'; shown() { printf '%s%s<%s>\\n' SHO WN \"$*\"; };"
         b" printf '%s%s\\n' SOUR CED\r")
until('the script', lambda: b'SOURCED\r\n' in output)
for number, line in enumerate(lines, 1):
    # TAB completes the line; Ctrl-A goes to its start, where the function's name is typed
    os.write(fd, line.encode() + b'\t')
    os.write(fd, b'\x01shown \r')
    until('the completion of %r' % line, lambda: len(shown()) == number)
os.write(fd, b'exit\r')
os.waitpid(pid, 0)
print('\n'.join(shown()))
