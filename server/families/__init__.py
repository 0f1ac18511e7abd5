"""The parent loop's own records: messages between a family and its child's room, parents' ratings (用户评价), complaints."""
