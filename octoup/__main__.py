from octoup.cli import main

main()
