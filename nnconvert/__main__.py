from nnconvert.cli import main

main()
