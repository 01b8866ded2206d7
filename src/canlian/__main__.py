from canlian.cli import main

main()
